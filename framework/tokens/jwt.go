// Package tokens reads and checks ServiceAccount tokens: JWT claims, TokenReview,
// TokenRequest, and requests made with a given bearer token.
package tokens

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Claims are the parts of a ServiceAccount JWT the suite asserts on.
type Claims struct {
	Audiences  []string
	Issuer     string `json:"iss"`
	Subject    string `json:"sub"`
	IssuedAt   int64  `json:"iat"`
	NotBefore  int64  `json:"nbf"`
	Expiry     int64  `json:"exp"`
	ID         string `json:"jti"`
	Kubernetes struct {
		Namespace string `json:"namespace"`
		Pod       *struct {
			Name string `json:"name"`
			UID  string `json:"uid"`
		} `json:"pod"`
		ServiceAccount struct {
			Name string `json:"name"`
			UID  string `json:"uid"`
		} `json:"serviceaccount"`
		WarnAfter int64 `json:"warnafter"`
	} `json:"kubernetes.io"`
}

// Lifetime is exp − iat in seconds.
func (c Claims) Lifetime() int64 { return c.Expiry - c.IssuedAt }

// Decode reads a JWT's claims without verifying it (the API server verifies; the
// suite asks it through TokenReview).
func Decode(token string) (Claims, error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("not a JWT: %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Claims{}, fmt.Errorf("JWT payload: %w", err)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, fmt.Errorf("JWT claims: %w", err)
	}
	var aud struct {
		Aud json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(payload, &aud); err == nil && len(aud.Aud) > 0 {
		// "aud" is a string or a list of strings.
		var one string
		if json.Unmarshal(aud.Aud, &one) == nil {
			c.Audiences = []string{one}
		} else if err := json.Unmarshal(aud.Aud, &c.Audiences); err != nil {
			return Claims{}, fmt.Errorf("JWT aud: %w", err)
		}
	}
	return c, nil
}
