using System.Globalization;
using System.Xml;

namespace Parley.Bench.Output;

/// <summary>
/// The few SVG elements the run pictures and the comparison pictures draw, written straight to an
/// <see cref="XmlWriter"/>. Numbers keep at most two decimals, in the invariant culture, so a
/// picture is the same file on every machine.
/// </summary>
internal static class SvgShapes
{
    internal static string Num(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    internal static void Attr(XmlWriter xml, string name, double value) => xml.WriteAttributeString(name, Num(value));

    internal static void Line(XmlWriter xml, double x1, double y1, double x2, double y2, string stroke)
    {
        xml.WriteStartElement("line");
        Attr(xml, "x1", x1);
        Attr(xml, "y1", y1);
        Attr(xml, "x2", x2);
        Attr(xml, "y2", y2);
        xml.WriteAttributeString("stroke", stroke);
        xml.WriteEndElement();
    }

    internal static void Rect(XmlWriter xml, double x, double y, double width, double height, string fill, string? stroke)
    {
        xml.WriteStartElement("rect");
        Attr(xml, "x", x);
        Attr(xml, "y", y);
        Attr(xml, "width", width);
        Attr(xml, "height", height);
        xml.WriteAttributeString("fill", fill);
        if (stroke is not null)
        {
            xml.WriteAttributeString("stroke", stroke);
        }

        xml.WriteEndElement();
    }

    internal static void Text(XmlWriter xml, double x, double y, string content, string anchor, int size, string? weight)
    {
        xml.WriteStartElement("text");
        Attr(xml, "x", x);
        Attr(xml, "y", y);
        xml.WriteAttributeString("text-anchor", anchor);
        xml.WriteAttributeString("font-size", size.ToString(CultureInfo.InvariantCulture));
        if (weight is not null)
        {
            xml.WriteAttributeString("font-weight", weight);
        }

        xml.WriteString(content);
        xml.WriteEndElement();
    }
}
