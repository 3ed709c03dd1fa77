namespace Parley.Tests.Web;

/// <summary>A temporary folder to serve as <c>Parley:Web:Root</c>, deleted on dispose.</summary>
internal sealed class TempWebRoot : IDisposable
{
    public TempWebRoot()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "parley-web-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public TempWebRoot With(string relativePath, string content)
    {
        var file = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
