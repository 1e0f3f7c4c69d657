SELECT inputs_digest, outcome FROM core.risk_state WHERE repo = $repo;
