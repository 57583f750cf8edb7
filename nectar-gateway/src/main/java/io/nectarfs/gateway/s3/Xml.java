package io.nectarfs.gateway.s3;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * S3's XML: a small writer for responses and a hardened parser for request bodies (no DTD, no
 * external entity, no XInclude: a body with a DOCTYPE is MalformedXML). Elements are matched by
 * local name, so bodies with or without S3's namespace are read alike.
 */
final class Xml {
  static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";
  private static final DocumentBuilderFactory FACTORY = factory();

  private final StringBuilder sb = new StringBuilder(256).append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

  /** Opens the root element in S3's namespace. */
  static Xml root(String name) {
    Xml x = new Xml();
    x.sb.append('<').append(name).append(" xmlns=\"").append(NS).append("\">");
    return x;
  }

  /** A document whose root has no namespace (error bodies). */
  static Xml plain(String name) {
    Xml x = new Xml();
    x.sb.append('<').append(name).append('>');
    return x;
  }

  Xml open(String name) {
    sb.append('<').append(name).append('>');
    return this;
  }

  Xml close(String name) {
    sb.append("</").append(name).append('>');
    return this;
  }

  /** {@code <name>text</name>}; nothing when text is null. */
  Xml el(String name, Object text) {
    if (text != null) {
      sb.append('<').append(name).append('>');
      escape(sb, text.toString());
      sb.append("</").append(name).append('>');
    }
    return this;
  }

  /** Markup as is (constant strings only). */
  Xml raw(String markup) {
    sb.append(markup);
    return this;
  }

  /** Text inside the current element. */
  Xml text(String t) {
    escape(sb, t);
    return this;
  }

  String end(String root) {
    return sb.append("</").append(root).append('>').toString();
  }

  static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&apos;");
        case '\r' -> sb.append("&#13;");
        case '\n' -> sb.append("&#10;");
        case '\t' -> sb.append("&#9;");
        default -> {
          if (c < 0x20) {
            sb.append("&#").append((int) c).append(';'); // invalid in XML 1.0; keys rarely hold them
          } else {
            sb.append(c);
          }
        }
      }
    }
  }

  // ---- parsing ----

  private static DocumentBuilderFactory factory() {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    try {
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser lacks a hardening feature", e);
    }
    f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    f.setXIncludeAware(false);
    f.setExpandEntityReferences(false);
    f.setNamespaceAware(true);
    return f;
  }

  /** The root element of a request body whose root must be {@code rootName}; MalformedXML otherwise. */
  static Element parse(byte[] body, String rootName) throws S3Exception {
    if (body.length == 0) {
      throw S3Error.MALFORMED_XML.exception();
    }
    Document d;
    try {
      DocumentBuilder b = FACTORY.newDocumentBuilder();
      b.setErrorHandler(null);
      d = b.parse(new ByteArrayInputStream(body));
    } catch (ParserConfigurationException | SAXException | java.io.IOException e) {
      throw S3Error.MALFORMED_XML.exception();
    }
    Element root = d.getDocumentElement();
    if (!rootName.equals(name(root))) {
      throw S3Error.MALFORMED_XML.exception();
    }
    return root;
  }

  static String name(Node n) {
    return n.getLocalName() != null ? n.getLocalName() : n.getNodeName();
  }

  /** The element children named {@code name}. */
  static List<Element> children(Element e, String name) {
    List<Element> out = new ArrayList<>();
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element c && name.equals(name(c))) {
        out.add(c);
      }
    }
    return out;
  }

  /** The text of the first child named {@code name}, or null. */
  static String text(Element e, String name) {
    List<Element> c = children(e, name);
    return c.isEmpty() ? null : c.getFirst().getTextContent();
  }
}
