package config

import "testing"

// Probe resources parse from one line; a bad key, quantity or a request above
// its limit is one clear error.
func TestParseResources(t *testing.T) {
	r, err := ParseResources(DefaultProbeResources)
	if err != nil {
		t.Fatal(err)
	}
	if r.Limits.Memory().String() != "256Mi" || r.Requests.Cpu().String() != "10m" {
		t.Errorf("got %v", r)
	}
	for _, bad := range []string{"requests.gpu=1", "limits.cpu=lots", "requests.memory=1Gi,limits.memory=1Mi", "cpu"} {
		if _, err := ParseResources(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
