package tokens

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// Review asks the API server (TokenReview) whether token authenticates for the
// given audiences (none: the API server's own).
func Review(ctx context.Context, cs kubernetes.Interface, token string, audiences ...string) (authnv1.TokenReviewStatus, error) {
	tr := &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token, Audiences: audiences}}
	got, err := cs.AuthenticationV1().TokenReviews().Create(ctx, tr, metav1.CreateOptions{})
	if err != nil {
		return authnv1.TokenReviewStatus{}, err
	}
	return got.Status, nil
}

// Request issues a token for a ServiceAccount (TokenRequest) with a lifetime.
func Request(ctx context.Context, cs kubernetes.Interface, ns, sa string, seconds int64, audiences ...string) (string, error) {
	tr := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: ptr.To(seconds), Audiences: audiences}}
	got, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, tr, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return got.Status.Token, nil
}

// WhoAmI makes one request with token as its only credential — a
// SelfSubjectReview, which every authenticated identity may create — and returns
// the username, or the HTTP status the API server answered instead (401 for a
// token it does not accept). A transport error is returned as an error.
func WhoAmI(ctx context.Context, base *rest.Config, token string) (user string, status int, err error) {
	cfg := rest.AnonymousClientConfig(base)
	cfg.BearerToken = token
	cfg.Timeout = 15 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", 0, err
	}
	res, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	var st apierrors.APIStatus
	var uerr *url.Error
	var nerr net.Error
	switch {
	case err == nil:
		return res.Status.UserInfo.Username, 201, nil
	case errors.As(err, &uerr) || errors.As(err, &nerr):
		return "", 0, fmt.Errorf("no HTTP answer: %w", err)
	case errors.As(err, &st):
		return "", int(st.Status().Code), nil
	default:
		return "", 0, err
	}
}
