"""The faces people use: the `speechqa` command line and the Gradio app. Nothing imports `ui`."""
