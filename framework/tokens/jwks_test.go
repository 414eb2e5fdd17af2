package tokens

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

func signRS256(t *testing.T, key *rsa.PrivateKey, kid, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	signed := enc([]byte(`{"alg":"RS256","kid":"`+kid+`"}`)) + "." + enc([]byte(payload))
	d := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + enc(sig)
}

func jwksOf(t *testing.T, kid string, pub *rsa.PublicKey) []byte {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	b, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
		"n": enc(pub.N.Bytes()), "e": enc(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifySignature(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tok := signRS256(t, key, "k1", `{"sub":"system:serviceaccount:n:pod-reader"}`)

	if v, err := VerifySignature(tok, jwksOf(t, "k1", &key.PublicKey)); err != nil || v.Kid != "k1" || v.Alg != "RS256" {
		t.Fatalf("a token signed by the published key: %+v, %v", v, err)
	}
	if _, err := VerifySignature(tok, jwksOf(t, "k1", &other.PublicKey)); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("a token signed by another key must not verify: %v", err)
	}
	if _, err := VerifySignature(tok, jwksOf(t, "k2", &key.PublicKey)); err == nil || !strings.Contains(err.Error(), `no key with kid "k1"`) {
		t.Fatalf("an unknown kid must be named: %v", err)
	}
	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"system:admin"}`)) + "." + parts[2]
	if _, err := VerifySignature(forged, jwksOf(t, "k1", &key.PublicKey)); err == nil {
		t.Fatal("a token with changed claims must not verify")
	}
}

func TestVerifySignatureES256(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	signed := enc([]byte(`{"alg":"ES256","kid":"e1"}`)) + "." + enc([]byte(`{"sub":"x"}`))
	d := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kid": "e1", "kty": "EC", "crv": "P-256", "x": enc(pub[1:33]), "y": enc(pub[33:])}}})
	if _, err := VerifySignature(signed+"."+enc(sig), jwks); err != nil {
		t.Fatalf("ES256 token signed by the published key: %v", err)
	}
	sig[5] ^= 1
	if _, err := VerifySignature(signed+"."+enc(sig), jwks); err == nil {
		t.Fatal("a changed ES256 signature must not verify")
	}
}

// Only the algorithms Kubernetes signs with are accepted: not "none", not HMAC
// (a public key used as a shared secret).
func TestVerifySignatureRefusesOtherAlgorithms(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	for _, alg := range []string{"none", "HS256"} {
		tok := enc([]byte(`{"alg":"`+alg+`","kid":"k1"}`)) + "." + enc([]byte(`{"sub":"system:admin"}`)) + "." + enc([]byte("x"))
		if _, err := VerifySignature(tok, jwksOf(t, "k1", &key.PublicKey)); err == nil {
			t.Errorf("alg %s must be refused", alg)
		}
	}
}
