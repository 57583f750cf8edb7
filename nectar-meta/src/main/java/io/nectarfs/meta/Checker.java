package io.nectarfs.meta;

import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The metadata consistency check: reads every key in one snapshot and verifies the invariants
 * that the operations keep (entries point to inodes of their type, link counts, parents, slice
 * reference counts, statistics counters). Returns one line per problem.
 */
final class Checker {
  private Checker() {}

  private record Dentry(long parent, String name, FileType type, long ino) {}

  private record SliceKey(long id, int size) {}

  static List<String> check(MetaClient m) throws IOException {
    return m.read(tx -> {
      Map<Long, Attr> attrs = new HashMap<>();
      List<Dentry> dentries = new ArrayList<>();
      Map<Long, Map<Long, Integer>> parentLinks = new HashMap<>();
      Map<SliceKey, Integer> records = new HashMap<>();
      Set<Long> chunkOwners = new HashSet<>();
      Set<Long> symlinks = new HashSet<>();
      Set<Long> xattrOwners = new HashSet<>();
      List<String> problems = new ArrayList<>();
      tx.scan(Keys.ALL_INODES_PREFIX, Bytes.prefixEnd(Keys.ALL_INODES_PREFIX), 0, (k, v) -> {
        long ino = Bytes.getU64(k, 1);
        switch (k[9]) {
          case 'I' -> attrs.put(ino, Codec.attr(v));
          case 'D' -> dentries.add(new Dentry(ino, Keys.dentryName(k), Codec.dentryType(v), Codec.dentryIno(v)));
          case 'P' -> parentLinks.computeIfAbsent(ino, x -> new HashMap<>()).put(Keys.parentOf(k), Bytes.getU32(v, 0));
          case 'C' -> {
            chunkOwners.add(ino);
            for (Slice s : Codec.slices(v)) {
              if (s.id() != 0) {
                records.merge(new SliceKey(s.id(), s.size()), 1, Integer::sum);
              }
            }
          }
          case 'S' -> symlinks.add(ino);
          case 'X' -> xattrOwners.add(ino);
          default -> problems.add("unknown key kind '" + (char) k[9] + "' for inode " + ino);
        }
        return true;
      });
      Set<Long> pendingDelete = new HashSet<>();
      tx.scan(Keys.DELFILE_PREFIX, Bytes.prefixEnd(Keys.DELFILE_PREFIX), 0, (k, v) -> {
        pendingDelete.add(Bytes.getU64(k, 1));
        return true;
      });
      Set<Long> sustained = new HashSet<>();
      byte[] ss = {'S', 'S'};
      tx.scan(ss, Bytes.prefixEnd(ss), 0, (k, v) -> {
        sustained.add(Bytes.getU64(k, 10));
        return true;
      });
      Map<SliceKey, Long> refs = new HashMap<>();
      tx.scan(Keys.SLICE_REF_PREFIX, Bytes.prefixEnd(Keys.SLICE_REF_PREFIX), 0, (k, v) -> {
        refs.put(new SliceKey(Bytes.getU64(k, 1), Bytes.getU32(k, 9)), Bytes.getU64(v, 0));
        return true;
      });

      // Entries.
      Map<Long, Integer> links = new HashMap<>();
      Map<Long, Map<Long, Integer>> linksPerParent = new HashMap<>();
      Map<Long, Integer> subdirs = new HashMap<>();
      for (Dentry d : dentries) {
        Attr p = attrs.get(d.parent);
        if (p == null || !p.isDir()) {
          problems.add("entry '" + d.name + "' is in inode " + d.parent + ", which is not a directory");
        }
        Attr c = attrs.get(d.ino);
        if (c == null) {
          problems.add("entry '" + d.name + "' in directory " + d.parent + " points to missing inode " + d.ino);
          continue;
        }
        if (c.type() != d.type) {
          problems.add("entry '" + d.name + "' in directory " + d.parent + " says " + d.type + " but inode " + d.ino + " is " + c.type());
        }
        links.merge(d.ino, 1, Integer::sum);
        linksPerParent.computeIfAbsent(d.ino, x -> new HashMap<>()).merge(d.parent, 1, Integer::sum);
        if (c.isDir()) {
          subdirs.merge(d.parent, 1, Integer::sum);
          if (c.parent() != d.parent) {
            problems.add("directory " + d.ino + " ('" + d.name + "') records parent " + c.parent() + " but is in " + d.parent);
          }
        }
      }

      // Inodes.
      long space = 0;
      long inodes = 0;
      for (Map.Entry<Long, Attr> e : attrs.entrySet()) {
        long ino = e.getKey();
        Attr a = e.getValue();
        boolean special = ino == Meta.ROOT || ino == Meta.TRASH || Trash.isTrashHour(ino);
        if (!special) {
          space += MetaClient.accountedSpace(a);
          inodes++;
        }
        int n = links.getOrDefault(ino, 0);
        if (a.isDir()) {
          int want = 2 + subdirs.getOrDefault(ino, 0);
          if (a.nlink() != want) {
            problems.add("directory " + ino + " has nlink " + a.nlink() + ", expected " + want);
          }
          if (!special && n != 1) {
            problems.add("directory " + ino + " has " + n + " entries pointing to it");
          }
          continue;
        }
        if (n == 0) {
          if (!(a.nlink() == 0 && sustained.contains(ino))) {
            problems.add("inode " + ino + " (" + a.type() + ") is not in any directory (nlink " + a.nlink() + ")");
          }
          continue;
        }
        if (a.nlink() != n) {
          problems.add("inode " + ino + " has nlink " + a.nlink() + " but " + n + " entries");
        }
        Map<Long, Integer> perParent = linksPerParent.get(ino);
        if (n == 1) {
          long only = perParent.keySet().iterator().next();
          if (a.parent() != only) {
            problems.add("inode " + ino + " records parent " + a.parent() + " but is in " + only);
          }
          if (parentLinks.containsKey(ino)) {
            problems.add("inode " + ino + " has one link but hard-link parent records");
          }
        } else {
          if (a.parent() != 0) {
            problems.add("inode " + ino + " has " + n + " links but records a single parent " + a.parent());
          }
          if (!perParent.equals(parentLinks.getOrDefault(ino, Map.of()))) {
            problems.add("inode " + ino + " hard-link parents " + parentLinks.get(ino) + " differ from its entries " + perParent);
          }
        }
        if (a.type() == FileType.SYMLINK && !symlinks.contains(ino)) {
          problems.add("symbolic link " + ino + " has no target");
        }
      }
      for (long ino : symlinks) {
        Attr a = attrs.get(ino);
        if (a == null || a.type() != FileType.SYMLINK) {
          problems.add("symlink target stored for inode " + ino + ", which is not a symbolic link");
        }
      }
      for (long ino : xattrOwners) {
        if (!attrs.containsKey(ino)) {
          problems.add("extended attributes stored for missing inode " + ino);
        }
      }
      for (long ino : chunkOwners) {
        Attr a = attrs.get(ino);
        if ((a == null || a.type() != FileType.FILE) && !pendingDelete.contains(ino)) {
          problems.add("chunks stored for inode " + ino + ", which is not a live file");
        }
      }
      for (Map.Entry<SliceKey, Integer> e : records.entrySet()) {
        long want = e.getValue() - 1;
        long have = refs.getOrDefault(e.getKey(), 0L);
        if (want != have) {
          problems.add("slice " + e.getKey().id() + " has " + e.getValue() + " records but reference count " + (have + 1));
        }
      }
      for (SliceKey k : refs.keySet()) {
        if (!records.containsKey(k)) {
          problems.add("reference count kept for slice " + k.id() + ", which no chunk uses");
        }
      }
      long[] usage = Housekeeping.usage(tx);
      long storedSpace = usage[0];
      long storedInodes = usage[1];
      if (storedSpace != space) {
        problems.add("used space counter is " + storedSpace + " but inodes account for " + space);
      }
      if (storedInodes != inodes) {
        problems.add("inode counter is " + storedInodes + " but " + inodes + " inodes exist");
      }
      return problems;
    });
  }
}
