"""Production set up as the README says: the three plain environment variables are read."""

from awards import create_app


def test_production_reads_secret_key_base_url_and_database_url_from_the_environment(monkeypatch, tmp_path):
    database = tmp_path / "prod.db"
    monkeypatch.setenv("AWARDS_ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("BASE_URL", "https://awards.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    app = create_app()
    assert app.config["BASE_URL"] == "https://awards.example.org"
    assert app.config["SECRET_KEY"] == "s" * 64
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{database}"
    assert app.config["TRUSTED_HOSTS"] == ["awards.example.org"]
