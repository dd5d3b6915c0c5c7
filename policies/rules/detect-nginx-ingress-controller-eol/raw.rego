package armo_builtins

import rego.v1

# The community ingress-nginx controller (kubernetes/ingress-nginx) gets no
# fixes after March 2026. Its images live under ingress-nginx/controller on
# registry.k8s.io (formerly k8s.gcr.io) and, for releases up to 0.33, under
# quay.io/kubernetes-ingress-controller. F5's NGINX Ingress Controller
# (nginx/nginx-ingress) is a different product and is not matched.

deny contains msga if {
	workload := input[_]
	workload.kind in {"Deployment", "DaemonSet", "StatefulSet"}
	some i, container in workload.spec.template.spec.containers
	community_ingress_nginx(container.image)

	path := sprintf("spec.template.spec.containers[%d].image", [i])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' runs the community ingress-nginx controller (%s), which receives no security fixes after March 2026", [workload.kind, object.get(workload, ["metadata", "name"], ""), object.get(container, "name", ""), container.image]),
		"packagename": "armo_builtins",
		"alertScore": 6,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [workload]},
	}
}

community_ingress_nginx(image) if contains(image, "ingress-nginx/controller")

community_ingress_nginx(image) if contains(image, "k8s.gcr.io/ingress-nginx")

community_ingress_nginx(image) if contains(image, "registry.k8s.io/ingress-nginx")

community_ingress_nginx(image) if contains(image, "kubernetes-ingress-controller/nginx-ingress-controller")
