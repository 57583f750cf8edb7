"""boto3 (Debian python3-boto3) against an S3 endpoint; run by Boto3Suite with /usr/bin/python3.

Endpoint and bucket come from NECTAR_S3_ENDPOINT and NECTAR_S3_BUCKET, the key from the standard
AWS_* variables. Every check is an assert; the last line printed is "boto3 suite: ok".
"""
import hashlib
import io
import os

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ["NECTAR_S3_ENDPOINT"]
bucket = os.environ["NECTAR_S3_BUCKET"]
s3 = boto3.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("no error")


# put / get / head, metadata and content type
body = b"hello from boto3\n"
r = s3.put_object(Bucket=bucket, Key="b/hello.txt", Body=body, ContentType="text/plain", Metadata={"who": "boto3"})
assert r["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), r["ETag"]
got = s3.get_object(Bucket=bucket, Key="b/hello.txt")
assert got["Body"].read() == body
assert got["ContentType"] == "text/plain"
assert got["Metadata"] == {"who": "boto3"}, got["Metadata"]
head = s3.head_object(Bucket=bucket, Key="b/hello.txt")
assert head["ContentLength"] == len(body)
assert s3.get_object(Bucket=bucket, Key="b/hello.txt", Range="bytes=6-9")["Body"].read() == b"from"
assert error_code(lambda: s3.get_object(Bucket=bucket, Key="b/missing")) == "NoSuchKey"

# list and paginate (2 keys a page over 7 keys, with and without a delimiter)
names = ["p/%d" % i for i in range(5)] + ["p/d/x", "p/d/y"]
for n in names:
    s3.put_object(Bucket=bucket, Key=n, Body=n.encode())
pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="p/", PaginationConfig={"PageSize": 2}))
keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
assert keys == sorted(names), keys
assert len(pages) == 4, len(pages)
pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="p/", Delimiter="/", PaginationConfig={"PageSize": 2}))
keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
prefixes = [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
assert keys == ["p/%d" % i for i in range(5)], keys
assert prefixes == ["p/d/"], prefixes
v1 = [o["Key"] for p in s3.get_paginator("list_objects").paginate(Bucket=bucket, Prefix="p/", PaginationConfig={"PageSize": 3}) for o in p.get("Contents", [])]
assert v1 == sorted(names), v1

# multipart through the transfer manager (5 MiB parts) and by hand
data = os.urandom(11 * 1024 * 1024 + 5)
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
s3.upload_fileobj(io.BytesIO(data), bucket, "m/big.bin", Config=cfg)
head = s3.head_object(Bucket=bucket, Key="m/big.bin")
assert head["ContentLength"] == len(data)
out = io.BytesIO()
s3.download_fileobj(bucket, "m/big.bin", out, Config=cfg)
assert out.getvalue() == data
up = s3.create_multipart_upload(Bucket=bucket, Key="m/manual.bin")["UploadId"]
p1 = s3.upload_part(Bucket=bucket, Key="m/manual.bin", UploadId=up, PartNumber=1, Body=data[: 5 * 1024 * 1024])
p2 = s3.upload_part(Bucket=bucket, Key="m/manual.bin", UploadId=up, PartNumber=2, Body=b"tail")
uploads = [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
assert up in uploads, uploads
parts = s3.list_parts(Bucket=bucket, Key="m/manual.bin", UploadId=up)["Parts"]
assert [p["PartNumber"] for p in parts] == [1, 2]
done = s3.complete_multipart_upload(Bucket=bucket, Key="m/manual.bin", UploadId=up, MultipartUpload={
    "Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]})
expected = hashlib.md5(hashlib.md5(data[: 5 * 1024 * 1024]).digest() + hashlib.md5(b"tail").digest()).hexdigest() + "-2"
assert done["ETag"].strip('"') == expected, (done["ETag"], expected)
assert s3.get_object(Bucket=bucket, Key="m/manual.bin")["Body"].read() == data[: 5 * 1024 * 1024] + b"tail"
up = s3.create_multipart_upload(Bucket=bucket, Key="m/aborted")["UploadId"]
s3.abort_multipart_upload(Bucket=bucket, Key="m/aborted", UploadId=up)

# copy, with metadata replaced
s3.copy_object(Bucket=bucket, Key="c/copy.txt", CopySource={"Bucket": bucket, "Key": "b/hello.txt"})
assert s3.get_object(Bucket=bucket, Key="c/copy.txt")["Body"].read() == body
s3.copy_object(Bucket=bucket, Key="c/repl.txt", CopySource={"Bucket": bucket, "Key": "b/hello.txt"},
               MetadataDirective="REPLACE", Metadata={"new": "1"}, ContentType="text/x-new")
h = s3.head_object(Bucket=bucket, Key="c/repl.txt")
assert h["Metadata"] == {"new": "1"}, h["Metadata"]
assert h["ContentType"] == "text/x-new"
s3.copy({"Bucket": bucket, "Key": "m/big.bin"}, bucket, "c/big-copy.bin", Config=cfg)
assert s3.head_object(Bucket=bucket, Key="c/big-copy.bin")["ContentLength"] == len(data)

# delete one, then a batch (boto3 1.26 sends Content-MD5), including a missing key
s3.delete_object(Bucket=bucket, Key="b/hello.txt")
assert error_code(lambda: s3.head_object(Bucket=bucket, Key="b/hello.txt")) == "404"
all_keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in p.get("Contents", [])]
res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in all_keys + ["never-there"]]})
assert sorted(d["Key"] for d in res.get("Deleted", [])) == sorted(all_keys + ["never-there"]), res
assert res.get("Errors", []) == [], res["Errors"]
assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
print("boto3 suite: ok")
