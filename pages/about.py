"""The about page when a server's first request names it: the frame of app.py."""

from pages._ui import frame

frame.run()
