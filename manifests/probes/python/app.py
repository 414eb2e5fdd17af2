# app.py
from kubernetes import client, config

def list_pods():
    """List all pods in the current namespace."""
    # Load in-cluster configuration (uses mounted ServiceAccount)
    config.load_incluster_config()

    # Create API client
    v1 = client.CoreV1Api()

    # Read namespace from mounted file
    with open('/var/run/secrets/kubernetes.io/serviceaccount/namespace') as f:
        namespace = f.read()

    # List pods
    pods = v1.list_namespaced_pod(namespace=namespace)

    for pod in pods.items:
        print(f"Pod: {pod.metadata.name}")
        print(f"  Status: {pod.status.phase}")
        print(f"  IP: {pod.status.pod_ip}")

if __name__ == "__main__":
    list_pods()
