/**
 * The S3 object store backend on the AWS SDK v2: AWS S3 ({@code s3://bucket[/prefix]}) and
 * S3-compatible servers ({@code http(s)://[ACCESS:SECRET@]host[:port]/bucket[/prefix]}). Only
 * {@link io.nectarfs.object.s3.S3StoreProvider} is public; it is found by {@link
 * java.util.ServiceLoader} through {@link io.nectarfs.object.ObjectStores}.
 */
package io.nectarfs.object.s3;
