"""The command-line commands app.py adds beside its own (serve, chat, ask, check-draft, …)."""
