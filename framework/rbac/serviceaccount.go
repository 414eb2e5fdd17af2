package rbac

import (
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
)

// ServiceAccountUser is the user name the API server gives ServiceAccount sa of
// namespace ns: system:serviceaccount:NS:SA.
func ServiceAccountUser(ns, sa string) string { return serviceaccount.MakeUsername(ns, sa) }

// ParseServiceAccountUser is ServiceAccountUser's inverse; ok is false for a
// user that is not a ServiceAccount.
func ParseServiceAccountUser(name string) (ns, sa string, ok bool) {
	ns, sa, err := serviceaccount.SplitUsername(name)
	return ns, sa, err == nil
}

// UserGroups are the groups the API server puts an authenticated user in:
// system:authenticated and, for a ServiceAccount, system:serviceaccounts and
// system:serviceaccounts:NS.
func UserGroups(name string) []string {
	groups := []string{user.AllAuthenticated}
	if ns, _, ok := ParseServiceAccountUser(name); ok {
		groups = append(groups, serviceaccount.MakeGroupNames(ns)...)
	}
	return groups
}
