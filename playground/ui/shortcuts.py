"""stub"""


def install(window) -> None:
    pass
