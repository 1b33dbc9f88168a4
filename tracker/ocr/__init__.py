"""Reply letters read offline (DESIGN.md §10.5): scan → text → suggestions an evaluator may accept.

Pure parts (no Flask, no SQLAlchemy): text.py, rules.py (+ rules/*.toml), suggest.py, letterhead.py.
The engine (engine.py, seal.py, reading.py) imports rapidocr/onnxruntime/pypdfium2/OpenCV on first use
only, so the app runs where they cannot load. models.py, operations.py, jobs.py and views.py are the
web side; cli.py is `tracker ocr suggest`.
"""
