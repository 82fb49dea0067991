"""The code set the bundled library describes."""

CODE_SET = "CPT 2026, HCPCS Level II 2026"
CODE_SET_YEAR = 2026
