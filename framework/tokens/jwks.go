package tokens

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// Discovery is the part of /.well-known/openid-configuration the suite reads.
type Discovery struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// jwk is one public key of a JSON Web Key Set (RFC 7517), RSA or EC.
type jwk struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// Verified says which published key signed a token.
type Verified struct {
	Kid, Alg string
}

// VerifySignature checks token's signature against the keys of jwks (the JSON the
// API server serves at its jwks_uri): the key is the one whose kid the token's
// header names; RS256 and ES256, the algorithms Kubernetes signs with.
func VerifySignature(token string, jwks []byte) (Verified, error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return Verified{}, fmt.Errorf("not a JWT: %d parts", len(parts))
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return Verified{}, fmt.Errorf("JWT header: %w", err)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return Verified{}, fmt.Errorf("JWKS: %w", err)
	}
	var key *jwk
	for i := range set.Keys {
		if set.Keys[i].Kid == hdr.Kid {
			key = &set.Keys[i]
		}
	}
	if key == nil {
		return Verified{}, fmt.Errorf("no key with kid %q among the %d published keys", hdr.Kid, len(set.Keys))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return Verified{}, fmt.Errorf("JWT signature: %w", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	v := Verified{Kid: hdr.Kid, Alg: hdr.Alg}
	switch hdr.Alg {
	case "RS256":
		pub, err := key.rsa()
		if err != nil {
			return v, err
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			return v, fmt.Errorf("RS256 signature does not verify with key %q: %w", hdr.Kid, err)
		}
	case "ES256":
		pub, err := key.ecdsa()
		if err != nil {
			return v, err
		}
		if len(sig) != 64 {
			return v, fmt.Errorf("ES256 signature of %d bytes, want 64", len(sig))
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, digest[:], r, s) {
			return v, fmt.Errorf("ES256 signature does not verify with key %q", hdr.Kid)
		}
	default:
		return v, fmt.Errorf("JWT alg %q: only RS256 and ES256 are checked", hdr.Alg)
	}
	return v, nil
}

func (k *jwk) rsa() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("key %q is %s, not RSA", k.Kid, k.Kty)
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil {
		return nil, fmt.Errorf("key %q modulus: %w", k.Kid, err)
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil {
		return nil, fmt.Errorf("key %q exponent: %w", k.Kid, err)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}

func (k *jwk) ecdsa() (*ecdsa.PublicKey, error) {
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil, fmt.Errorf("key %q is %s %s, not EC P-256", k.Kid, k.Kty, k.Crv)
	}
	x, err := base64.RawURLEncoding.DecodeString(k.X)
	if err != nil {
		return nil, fmt.Errorf("key %q x: %w", k.Kid, err)
	}
	y, err := base64.RawURLEncoding.DecodeString(k.Y)
	if err != nil {
		return nil, fmt.Errorf("key %q y: %w", k.Kid, err)
	}
	if len(x) > 32 || len(y) > 32 {
		return nil, fmt.Errorf("key %q: coordinates longer than P-256's 32 bytes", k.Kid)
	}
	point := make([]byte, 65) // 0x04 || X || Y, each left-padded to 32 bytes
	point[0] = 4
	copy(point[33-len(x):33], x)
	copy(point[65-len(y):], y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", k.Kid, err)
	}
	return pub, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
