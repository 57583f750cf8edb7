#!/bin/sh
# The image's `nectar` command. NECTAR_JAVA_OPTS adds JVM options (e.g. -Xmx for a mount pod).
exec java ${NECTAR_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -XX:+UseZGC -jar /opt/nectar/nectar-cli.jar "$@"
