package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// sandboxCall calls one of the sandbox's own endpoints (sandbox.
// WebhookEndpointPath, DepositPath, ...) with the secret key, a JSON body
// when body is not nil, and returns the status and at most 1 MiB of the
// answer.
func sandboxCall(ctx context.Context, hc *http.Client, base, key, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(key, "")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}
