package io.nectarfs.gateway.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IfHeaderTest {
  @Test
  void parsesUntaggedListsWithNotAndEtags() throws Exception {
    IfHeader h = IfHeader.parse("(<opaquelocktoken:a> [\"e1\"]) (Not <DAV:no-lock> [W/\"e2\"])");
    assertThat(h.clauses()).hasSize(2);
    assertThat(h.clauses().get(0).resource()).isNull();
    assertThat(h.clauses().get(0).conditions()).containsExactly(
        new IfHeader.Condition(false, "opaquelocktoken:a", null), new IfHeader.Condition(false, null, "\"e1\""));
    assertThat(h.clauses().get(1).conditions()).containsExactly(
        new IfHeader.Condition(true, "DAV:no-lock", null), new IfHeader.Condition(false, null, "W/\"e2\""));
    assertThat(h.tokens()).containsExactly("opaquelocktoken:a", "DAV:no-lock");
  }

  @Test
  void parsesTaggedLists() throws Exception {
    IfHeader h = IfHeader.parse("<http://h/a> (<t1>) (<t2>) <http://h/b> (Not <t3>)");
    assertThat(h.clauses()).extracting(IfHeader.Clause::resource).containsExactly("http://h/a", "http://h/a", "http://h/b");
    assertThat(h.tokens()).containsExactly("t1", "t2", "t3");
  }

  @Test
  void malformedHeaders_are400() {
    for (String bad : List.of("", "<t>", "(<t>", "(junk)", "()", "(Not)", "(<t> [\"e\")", "<http://h/a>")) {
      assertThatThrownBy(() -> IfHeader.parse(bad)).as(bad).isInstanceOf(DavException.class)
          .satisfies(e -> assertThat(((DavException) e).status()).isEqualTo(400));
    }
  }

  @Test
  void evaluate_anyListWhoseConditionsAllHold() throws Exception {
    IfHeader.Oracle oracle = (res, c) -> "good".equals(c.token()) || "\"e\"".equals(c.etag());
    assertThat(IfHeader.parse("(<good> [\"e\"])").evaluate(oracle)).isTrue();
    assertThat(IfHeader.parse("(<good> [\"other\"])").evaluate(oracle)).isFalse();
    assertThat(IfHeader.parse("(<bad>) (Not <bad>)").evaluate(oracle)).isTrue();
    assertThat(IfHeader.parse("(Not <good>)").evaluate(oracle)).isFalse();
  }
}
