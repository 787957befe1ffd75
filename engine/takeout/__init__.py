"""Taking runs out of the store in the formats Keras users already read: each completed run's trained model
as a `.keras` file (model_files.py keeps it, keras_model.py saves it in the training process), TensorBoard
event files with HParams (tensorboard.py) and the per-epoch table as Keras's CSVLogger writes it
(csv_table.py). Nothing here is imported by the TUI's screens: the CLI's `model`, `tensorboard` and
`show --csv` call it."""
