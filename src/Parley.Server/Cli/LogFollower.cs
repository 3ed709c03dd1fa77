using System.Text;

namespace Parley.Server.Cli;

/// <summary>
/// Prints the log files of a local cluster (<c>*.log</c> in its log directory), each line prefixed
/// with the program's name: the last lines of each, then, when following, every complete line
/// appended to any of them (new files included) until cancelled. Polls rather than watches, so it
/// behaves the same on every file system.
/// </summary>
internal sealed class LogFollower(string directory, TextWriter output)
{
    /// <summary>How often the files are read for new lines while following.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _partial = new(StringComparer.Ordinal);

    /// <summary>Prints the last <paramref name="lines"/> of every file and remembers where each ends.</summary>
    public void PrintTail(int lines)
    {
        foreach (var file in Files())
        {
            var text = ReadFrom(file, 0, out var end);
            _offsets[file] = end;
            var all = text.Split('\n');
            var complete = all[..^1];
            _partial[file] = all[^1];
            foreach (var line in complete.TakeLast(lines))
            {
                Write(file, line);
            }
        }
    }

    /// <summary>Prints what is appended to the files from now on (from where <see cref="PrintTail"/> left them) until cancelled.</summary>
    public async Task FollowAsync(CancellationToken cancellationToken)
    {
        foreach (var file in Files())
        {
            _offsets.TryAdd(file, new FileInfo(file).Length);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var file in Files())
            {
                var offset = _offsets.GetValueOrDefault(file);
                if (new FileInfo(file).Length is var length && length < offset)
                {
                    // Truncated or replaced: read it again from the start.
                    offset = 0;
                    _partial[file] = "";
                }

                var text = _partial.GetValueOrDefault(file, "") + ReadFrom(file, offset, out var end);
                _offsets[file] = end;
                var lines = text.Split('\n');
                _partial[file] = lines[^1];
                foreach (var line in lines[..^1])
                {
                    Write(file, line);
                }
            }

            try
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private IEnumerable<string> Files()
        => Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*.log").Order(StringComparer.Ordinal) : [];

    private void Write(string file, string line) => output.WriteLine($"{Path.GetFileNameWithoutExtension(file),-14} | {line.TrimEnd('\r')}");

    private static string ReadFrom(string file, long offset, out long end)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var text = reader.ReadToEnd();
            end = stream.Position;
            return text;
        }
        catch (IOException)
        {
            end = offset;
            return "";
        }
    }
}
