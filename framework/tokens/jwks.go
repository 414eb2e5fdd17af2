package tokens

import (
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// Discovery is the part of /.well-known/openid-configuration the suite reads.
type Discovery struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// Verified says which published key signed a token.
type Verified struct {
	Kid, Alg string
}

// signingAlgorithms are the ones Kubernetes signs ServiceAccount tokens with.
var signingAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// VerifySignature checks token's signature against the keys of jwks (the JSON the
// API server serves at its jwks_uri) with go-jose: the key is the one whose kid
// the token's header names; RS256 and ES256, the algorithms Kubernetes signs with.
func VerifySignature(token string, jwks []byte) (Verified, error) {
	sig, err := jose.ParseSignedCompact(token, signingAlgorithms)
	if err != nil {
		return Verified{}, fmt.Errorf("not a JWT signed with RS256 or ES256: %w", err)
	}
	if len(sig.Signatures) != 1 {
		return Verified{}, fmt.Errorf("a JWT has one signature, this one %d", len(sig.Signatures))
	}
	hdr := sig.Signatures[0].Header
	v := Verified{Kid: hdr.KeyID, Alg: hdr.Algorithm}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		return v, fmt.Errorf("JWKS: %w", err)
	}
	keys := set.Key(hdr.KeyID)
	if len(keys) == 0 {
		return v, fmt.Errorf("no key with kid %q among the %d published keys", hdr.KeyID, len(set.Keys))
	}
	if _, err := sig.Verify(keys[0].Key); err != nil {
		return v, fmt.Errorf("%s signature does not verify with key %q: %w", hdr.Algorithm, hdr.KeyID, err)
	}
	return v, nil
}
