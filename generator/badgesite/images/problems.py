"""Why a file cannot be used as an image."""


class ImageProblem(Exception):
    """Why a file cannot be used as an image; the message is shown to the user."""
