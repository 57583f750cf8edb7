package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The hour directories of a volume's trash ({@code /.trash/2026-11-29-04}) and how many entries each holds. */
final class TrashHours {
  private static final int PAGE = 10_000;

  /** One hour directory: its name and the number of entries in it. */
  record Hour(String name, long entries) {}

  private TrashHours() {}

  /** Every hour directory in name (= time) order, with its entry count. */
  static List<Hour> list(MetaClient m) throws IOException {
    List<Hour> hours = new ArrayList<>();
    for (DirEntry h : all(m, Meta.TRASH)) {
      hours.add(new Hour(h.name(), all(m, h.ino()).size()));
    }
    return hours;
  }

  private static List<DirEntry> all(MetaClient m, long dir) throws IOException {
    List<DirEntry> out = new ArrayList<>();
    String after = "";
    while (true) {
      List<DirEntry> page = m.readdir(Ctx.ROOT, dir, after, PAGE, false);
      for (DirEntry e : page) {
        if (!e.name().equals(".") && !e.name().equals("..")) {
          out.add(e);
        }
      }
      if (page.size() < PAGE) {
        return out;
      }
      after = page.getLast().name();
    }
  }
}
