"""``python -m bench``: the gateway's upstream calls and latency next to an ideal and a naive Cognito client."""
