# Two commands on a fresh machine: `make demo` and `make test`. Every target creates .venv/ when missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PYTHON ?= python3

.PHONY: install demo test browser lint deploy-check bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

.env: | $(STAMP)
	$(PY) -m portal.bootstrap_env

install: $(STAMP) .env

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo

test: $(STAMP) browser
	$(PY) -m pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium (never `playwright install`); without apt they skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium) \
		|| echo "Chromium could not be installed: the browser tests will be skipped."

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

# Production settings must pass Django's deployment checklist (run by CI).
deploy-check: install
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" DEBUG=false \
	SECURE_SSL_REDIRECT=true SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_PRELOAD=true SECURE_COOKIES=true \
	ALLOWED_HOSTS=portal.example.com $(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) var/ .pytest_cache .ruff_cache
