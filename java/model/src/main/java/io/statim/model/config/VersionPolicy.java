package io.statim.model.config;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which of the version directories of a model are served, from {@code version_policy} in
 * {@code config.pbtxt}: the latest {@code n} (the default, with {@code n = 1}), all of them, or a
 * given list. Versions are positive integers, as Triton's directory names. Immutable; safe for any
 * thread.
 */
public sealed interface VersionPolicy {

    /** Triton's default: the highest version only. */
    VersionPolicy DEFAULT = new Latest(1);

    /**
     * The versions to serve among those available.
     *
     * @param available the version numbers found on disk
     * @return an unmodifiable subset of {@code available}; empty when the policy selects none of them
     */
    SortedSet<Long> select(SortedSet<Long> available);

    /** The {@code numVersions} highest versions. */
    record Latest(int numVersions) implements VersionPolicy {

        public Latest {
            if (numVersions < 1) {
                throw new IllegalArgumentException("num_versions=" + numVersions + " must be >= 1");
            }
        }

        @Override
        public SortedSet<Long> select(SortedSet<Long> available) {
            TreeSet<Long> out = new TreeSet<>();
            for (Long version : available.reversed()) {
                if (out.size() == numVersions) {
                    break;
                }
                out.add(version);
            }
            return Collections.unmodifiableSortedSet(out);
        }

        @Override
        public String toString() {
            return "latest { num_versions: " + numVersions + " }";
        }
    }

    /** Every version. */
    record All() implements VersionPolicy {

        @Override
        public SortedSet<Long> select(SortedSet<Long> available) {
            return Collections.unmodifiableSortedSet(new TreeSet<>(available));
        }

        @Override
        public String toString() {
            return "all { }";
        }
    }

    /** Exactly the listed versions (those of them that exist). */
    record Specific(SortedSet<Long> versions) implements VersionPolicy {

        public Specific {
            versions = Collections.unmodifiableSortedSet(new TreeSet<>(versions));
        }

        @Override
        public SortedSet<Long> select(SortedSet<Long> available) {
            TreeSet<Long> out = new TreeSet<>(available);
            out.retainAll(versions);
            return Collections.unmodifiableSortedSet(out);
        }

        @Override
        public String toString() {
            return "specific { versions: " + versions + " }";
        }
    }
}
