"""Reference data: the code catalogues built from GNU Health's packages and their rule tables.

The committed seeds (hospitals, regions, fee categories, MDCs, MDC rules, policy parameters) live
in `seeds/`; `catalogues.py` builds the two git-ignored code catalogues beside them.
"""
