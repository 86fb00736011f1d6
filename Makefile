# Every target sets itself up: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== billing validate catalogs/quickstart"
	@$(BIN)/billing validate catalogs/quickstart
	@echo "== billing validate catalogs/acme-ai"
	@$(BIN)/billing validate catalogs/acme-ai
	@rm -rf build/demo && mkdir -p build/demo
	@echo "== billing plan catalogs/quickstart --out build/demo/quickstart.plan   (empty state)"
	@$(BIN)/billing plan catalogs/quickstart --state build/demo/billing.state.json --out build/demo/quickstart.plan
	@echo "== billing apply build/demo/quickstart.plan"
	@$(BIN)/billing apply build/demo/quickstart.plan --state build/demo/billing.state.json
	@echo "== billing plan catalogs/quickstart --detailed-exitcode   (after the apply: exit 0)"
	@$(BIN)/billing plan catalogs/quickstart --state build/demo/billing.state.json --detailed-exitcode
	@mkdir -p build/demo/my-prices
	@sed '/price: 50  #/a\      - product: lang_model_4\n        starting_at: 2026-10-16T00:00:00Z\n        entitled: true\n        rate_type: FLAT\n        price: 45' catalogs/quickstart/catalog.yaml > build/demo/my-prices/catalog.yaml
	@echo "== billing plan build/demo/my-prices --events catalogs/quickstart/events --impact --as-of 2026-10-10T00:00:00Z"
	@echo "   (a price cut to 45 cents per million from October 16, appended as a new rate, planned on October 10)"
	@$(BIN)/billing plan build/demo/my-prices --state build/demo/billing.state.json --events catalogs/quickstart/events --impact --as-of 2026-10-10T00:00:00Z
	@echo "== billing invoice catalogs/quickstart --events catalogs/quickstart/events --format text"
	@$(BIN)/billing invoice catalogs/quickstart --events catalogs/quickstart/events --format text

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check billing_spec tests benchmarks
	$(BIN)/ruff format --check billing_spec tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks

schema: $(STAMP)
	$(BIN)/billing schema -o billing_spec/catalog/catalog.schema.json

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
