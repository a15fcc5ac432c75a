#!/usr/bin/env bash
# Sorts a built repository's jars into what each image needs (docker/Dockerfile's build stage runs
# this after "mvnw package dependency:copy-dependencies"). Third-party jars and SeedStream's own go
# to separate folders so that the images keep them in separate layers: a code change then ships a
# few hundred kilobytes, not the dependencies again.
#   docker/sort-jars.sh OUT   (from the repository root)
set -euo pipefail
out="$1"
deps=segmentation/target/dependency
mkdir -p "$out"/djl "$out"/libtorch-cpu/lib "$out"/jobs "$out"/server/lib "$out"/server/app "$out"/cli/lib "$out"/cli/app

# DJL for Flink's lib/ (without libtorch itself, which the images unpack or download).
for jar in api pytorch-engine pytorch-jni jna gson commons-compress commons-codec commons-io; do
  cp "$deps"/"$jar"-[0-9]*.jar "$out"/djl/
done
# The CPU libtorch, unpacked: DJL loads it from PYTORCH_LIBRARY_PATH instead of extracting 450 MB
# into its cache at every container start.
native_jar="$(realpath "$deps"/pytorch-native-cpu-*.jar)"
(cd "$out"/libtorch-cpu/lib && unzip -q -j "$native_jar" 'pytorch/cpu/linux-x86_64/*')

cp flink-jobs/target/seedstream-jobs.jar "$out"/jobs/

own='segmentation-*.jar records-*.jar embedded-kafka-*.jar model-server-*.jar flink-jobs-*.jar cli-*.jar benchmarks-*.jar'
sort_app() { # sort_app MODULE IMAGE: the module's runtime jars and its own jar, split into lib/ and app/
  cp "$1"/target/dependency/*.jar "$out/$2"/lib/
  cp "$1"/target/"$1"-*.jar "$out/$2"/app/
  rm -f "$out/$2"/lib/pytorch-native-cpu-*.jar "$out/$2"/app/*-tests.jar
  for pattern in $own; do
    for jar in "$out/$2"/lib/$pattern; do
      if [ -e "$jar" ]; then mv "$jar" "$out/$2"/app/; fi
    done
  done
}
sort_app model-server server
sort_app benchmarks cli # the command line with bench: the top of the module graph
