"""Shareable detection signatures: Sigma rules over the API log, compiled to DuckDB SQL.

pySigma parses the rules (rule and pipeline apart, as pySigma intends); `backend` is our DuckDB backend;
`engine` runs a set of rules over a log in one pass and counts hits per account.
"""
