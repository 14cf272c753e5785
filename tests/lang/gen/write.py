#!/usr/bin/env python3
"""Writes the corpus programs defined in gen/*.py into corpus/<part>/<name>.stfl (each module
defines P = {name: source}); the files are the test inputs, this script only spares typing."""
import importlib.util, os, sys
here = os.path.dirname(os.path.abspath(__file__))
for part in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location(part, os.path.join(here, part + '.py'))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    out = os.path.join(here, '..', 'corpus', part)
    os.makedirs(out, exist_ok=True)
    for name, src in m.P.items():
        with open(os.path.join(out, name + '.stfl'), 'w', newline='') as f:
            f.write(src)
    print(part, len(m.P))
