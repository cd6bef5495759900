"""The dashboard: ``streamlit run app.py`` (``-- --sample`` opens every new session with the
bundled lending sample audited, as ``make run`` does).

The frame (page config, session state, sign-in gate, navigation) is `pages._ui.frame.run`;
every page of ``pages/screens/`` runs inside it.
"""

from __future__ import annotations

from pages._ui import frame

frame.run()
