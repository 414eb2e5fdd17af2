package pods

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LabelSpread groups pods that must not share a node.
const LabelSpread = "inpod.io/spread"

// SpreadAcrossNodes labels the pods as group and gives each a required pod
// anti-affinity against the group on kubernetes.io/hostname: no two of them are
// scheduled onto one node (a pod stays Pending when no other node takes it).
func SpreadAcrossNodes(group string, ps ...*corev1.Pod) {
	term := corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelSpread: group}},
		TopologyKey:   corev1.LabelHostname,
	}
	for _, p := range ps {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[LabelSpread] = group
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
		p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term},
		}
	}
}
