package io.nectarfs.cli;

import io.nectarfs.common.Secrets;
import io.nectarfs.csi.webhook.WebhookConfig;
import io.nectarfs.csi.webhook.WebhookServer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nectar csi webhook --tls-cert FILE --tls-key FILE [--listen HOST:PORT] [--strict]}: the
 * mutating admission webhook that gives opted-in pods a mount sidecar per NectarFS claim, in the
 * foreground until SIGTERM.
 */
@Command(name = "webhook", mixinStandardHelpOptions = true,
    description = {"Run the mutating admission webhook (AdmissionReview v1, HTTPS, POST /mutate) that injects a 'nectar mount' sidecar",
        "into pods using NectarFS claims, for nodes without the CSI node plugin (virtual nodes). Pods opt in by the label",
        WebhookConfig.OPT_IN_LABEL + "=" + WebhookConfig.ENABLED + " on the pod or its namespace; see deploy/helm/nectar-csi (webhook.enabled).",
        "Example: nectar csi webhook --tls-cert /certs/tls.crt --tls-key /certs/tls.key"})
final class CsiWebhookCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Where to serve HTTPS (default: ${DEFAULT-VALUE}).")
  String listen = "0.0.0.0:9443";

  @Option(names = "--tls-cert", required = true, paramLabel = "FILE", description = "PEM certificate chain (tls.crt of the chart's or cert-manager's Secret); read at start: restart after a renewal.")
  Path cert;

  @Option(names = "--tls-key", required = true, paramLabel = "FILE", description = "PEM private key (tls.key: PKCS#1, PKCS#8 or SEC1).")
  Path key;

  @Option(names = "--strict", description = "Refuse an opted-in pod that also uses claims of another driver (default: those are left alone).")
  boolean strict;

  @Option(names = "--namespace", paramLabel = "NS", description = "Namespace of the ConfigMap nectar-csi-config with mount image and resources (default: $POD_NAMESPACE, else nectarfs).")
  String namespace;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    InetSocketAddress address = CsiCommand.listen(spec, listen);
    String ns = namespace != null ? namespace : Secrets.fromEnvironment().plain("POD_NAMESPACE").orElse("nectarfs");
    WebhookConfig config = WebhookConfig.of(address, cert, key).withStrict(strict).withNamespace(ns);
    WebhookServer server = WebhookServer.startInCluster(config);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "csi-webhook-stop"));
    out.printf("admission webhook serving https://%s:%d/mutate (claims of %s%s)%n", address.getHostString(), server.port(), config.driver(),
        strict ? ", strict" : "");
    out.flush();
    server.join();
    return Cli.OK;
  }
}
