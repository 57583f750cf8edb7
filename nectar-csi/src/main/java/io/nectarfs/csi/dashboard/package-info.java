/**
 * The dashboard of {@code nectar csi dashboard}: one server-rendered page and a small JSON API that
 * explain the cluster's NectarFS mounts: application pods, their claims, the PersistentVolumes,
 * the mount pods that serve them and the nodes, with state, recent events, the mount pods' logs
 * and metrics, and tips for common failures.
 *
 * <p>{@link io.nectarfs.csi.dashboard.DashboardServer} serves HTTP on Jetty 12. {@code
 * ClusterView} keeps fabric8 informers (pods, claims, volumes, classes, nodes) and knows whether
 * they still watch; {@code Relations} joins their objects into the {@code Model}; {@code Tips}
 * diagnoses ({@code Quotas}: the claims' quota use); {@code Pages} renders HTML (every value escaped
 * by {@code Html}); logs, metrics, events, the kubelets' volume stats and Secret existence are
 * fetched on demand ({@code Lookups}). Read-only unless an actions
 * token is configured; Secret values are never read, and everything shown goes through {@code
 * Redact}.
 */
package io.nectarfs.csi.dashboard;
