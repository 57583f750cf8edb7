package io.nectarfs.gateway.webdav;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * XML of request and response bodies: namespace-aware parsing with DTDs and external entities
 * refused (a request body never reaches the network or the disk), element helpers, escaping, and
 * the self-contained text of an element (its own namespace declarations included), which is how
 * dead properties are stored and sent back.
 */
final class DavXml {
  static final String DAV = "DAV:";

  private DavXml() {}

  static Document parse(byte[] body) throws DavException {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      return b.parse(new ByteArrayInputStream(body));
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    } catch (org.xml.sax.SAXException | java.io.IOException e) {
      throw new DavException(400, "the request body is not well-formed XML");
    }
  }

  static QName name(Node n) {
    String ns = n.getNamespaceURI();
    return new QName(ns == null ? "" : ns, n.getLocalName());
  }

  static boolean is(Node n, String local) {
    return n instanceof Element && DAV.equals(n.getNamespaceURI()) && local.equals(n.getLocalName());
  }

  /** The element children of {@code e}. */
  static List<Element> children(Node e) {
    List<Element> out = new ArrayList<>();
    for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
      if (c instanceof Element el) {
        out.add(el);
      }
    }
    return out;
  }

  static Element child(Node e, String davLocal) {
    for (Element c : children(e)) {
      if (is(c, davLocal)) {
        return c;
      }
    }
    return null;
  }

  /** The element as standalone XML text, every namespace it uses declared on it. */
  static String serialize(Element e) {
    try {
      Transformer t = TransformerFactory.newInstance().newTransformer();
      t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
      t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
      StringWriter w = new StringWriter();
      t.transform(new DOMSource(e), new StreamResult(w));
      return w.toString();
    } catch (TransformerException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** An element of name {@code q} with {@code inner} (already XML) as its content; empty when inner is null. */
  static String element(QName q, String inner) {
    StringBuilder sb = new StringBuilder();
    String tag;
    if (DAV.equals(q.getNamespaceURI())) {
      tag = "D:" + q.getLocalPart();
      sb.append('<').append(tag);
    } else if (q.getNamespaceURI().isEmpty()) {
      tag = q.getLocalPart();
      sb.append('<').append(tag).append(" xmlns=\"\"");
    } else {
      tag = "X:" + q.getLocalPart();
      sb.append('<').append(tag).append(" xmlns:X=\"").append(escape(q.getNamespaceURI())).append('"');
    }
    if (inner == null || inner.isEmpty()) {
      return sb.append("/>").toString();
    }
    return sb.append('>').append(inner).append("</").append(tag).append('>').toString();
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  static String statusLine(int status) {
    return "HTTP/1.1 " + status + " " + reason(status);
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 412 -> "Precondition Failed";
      case 423 -> "Locked";
      case 424 -> "Failed Dependency";
      case 507 -> "Insufficient Storage";
      default -> "Status";
    };
  }
}
