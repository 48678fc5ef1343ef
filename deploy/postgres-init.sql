-- Lodestar's application database beside MLflow's (POSTGRES_DB creates mlflow).
CREATE DATABASE lodestar OWNER lodestar;
