"""IPC subclass suggestion: for any text, the IPC subclasses the platform would tag it with, and their
industries. The model is a derived store learnt from the patents the platform holds (see `model`, `store`,
`training`); `services.suggest` is the entry point for pages, the API and the command line."""
