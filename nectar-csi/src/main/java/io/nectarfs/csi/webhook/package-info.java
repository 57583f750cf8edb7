/**
 * The mutating admission webhook of {@code nectar csi webhook}: on nodes without the CSI node
 * plugin (virtual nodes, serverless Kubernetes) a pod that opts in gets one native sidecar per
 * NectarFS claim, an init container with {@code restartPolicy: Always} running {@code nectar
 * mount} into an emptyDir that the app containers see with HostToContainer propagation.
 * {@link io.nectarfs.csi.webhook.WebhookServer} serves AdmissionReview v1 over HTTPS (Jetty 12);
 * {@code Injector} decides from the claims, volumes and classes of {@code StorageObjects}
 * (informers) and the Secrets it reads from the API server; the answer is an RFC 6902 patch computed by diffing the pod before and after.
 */
package io.nectarfs.csi.webhook;
