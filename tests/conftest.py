"""Root conftest: the project's own tests load the FakePanel fixtures the way a user's tests do.

``pyjexactyl.testing.pytest_plugin`` is opt-in (installing pyjexactyl registers nothing with pytest), so the
suite asks for it here, exactly as the library README tells users to.
"""

pytest_plugins = ["pyjexactyl.testing.pytest_plugin"]
