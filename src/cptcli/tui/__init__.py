"""The interactive picker (``cpt pick``), built with Textual and imported only by that command."""
