"""`python -m billing_spec` runs the `billing` command."""

from billing_spec.cli import main

if __name__ == "__main__":
    main()
