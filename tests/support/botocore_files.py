"""Python source that, run first in a fresh interpreter, records every data file a botocore
loader parses (a loader's cache hit reads nothing) in the list ``parsed``, by its path
under ``botocore/data/``. Used by ``bench/first_call.py`` and
``tests/unit/test_aws_session.py``."""

COUNT_PARSED = """
import botocore.loaders
parsed = []
_original_load_file = botocore.loaders.JSONFileLoader._load_file
def _counted_load_file(self, full_path, open_method):
    data = _original_load_file(self, full_path, open_method)
    if data is not None:
        parsed.append(full_path.split("botocore/data/")[-1])
    return data
botocore.loaders.JSONFileLoader._load_file = _counted_load_file
"""
