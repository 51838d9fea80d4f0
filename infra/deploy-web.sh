#!/usr/bin/env bash
# Uploads the web app to the stack's bucket and invalidates CloudFront's copy of index.html.
#   ./infra/deploy-web.sh <stack-name>     (after `sam deploy`; needs the AWS CLI)
# The hashed files under assets/ are cached for a year; index.html is revalidated on every
# load, so a deploy is live as soon as the invalidation completes (about a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:?usage: infra/deploy-web.sh <stack-name>}
output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
bucket=$(output WebBucketName)
distribution=$(output WebDistributionId)
(cd web && npm ci --no-audit --no-fund && npm run build)
# Assets first, so the new index.html never names a file that is not there yet.
aws s3 sync web/dist/assets "s3://$bucket/assets" --exclude "*.br" --exclude "*.gz" \
  --cache-control "public, max-age=31536000, immutable"
aws s3 sync web/dist "s3://$bucket" --exclude "assets/*" --exclude "*.br" --exclude "*.gz" --delete \
  --cache-control "no-cache"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/index.html" "/" >/dev/null
echo "deployed to $(output AppUrl)"
