using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Parley.Node.Auth;

/// <summary>
/// A JWS taken apart for checking: its signing input (the ASCII bytes of header.payload), its
/// decoded signature and its decoded payload, all in one buffer rented from the shared pool, so a
/// verification decodes each segment once and allocates none of them. Only for a token
/// <see cref="JwsForm.TryRead"/> accepted; <see cref="Return"/> it once the token is checked, and
/// read nothing of it after.
/// </summary>
internal readonly struct SignedParts
{
    private readonly byte[] _buffer;
    private readonly int _inputLength;
    private readonly int _signatureLength;
    private readonly int _payloadLength;

    private SignedParts(byte[] buffer, int inputLength, int signatureLength, int payloadLength)
    {
        _buffer = buffer;
        _inputLength = inputLength;
        _signatureLength = signatureLength;
        _payloadLength = payloadLength;
    }

    public ReadOnlySpan<byte> SigningInput => _buffer.AsSpan(0, _inputLength);

    public ReadOnlySpan<byte> Signature => _buffer.AsSpan(_inputLength, _signatureLength);

    public ReadOnlyMemory<byte> Payload => _buffer.AsMemory(_inputLength + _signatureLength, _payloadLength);

    public static SignedParts Decode(string token)
    {
        var first = token.IndexOf('.', StringComparison.Ordinal);
        var last = token.LastIndexOf('.');
        var payload = token.AsSpan(first + 1, last - first - 1);
        var signature = token.AsSpan(last + 1);
        var buffer = ArrayPool<byte>.Shared.Rent(last + Base64Url.GetMaxDecodedLength(signature.Length) + Base64Url.GetMaxDecodedLength(payload.Length));
        var inputLength = Encoding.ASCII.GetBytes(token.AsSpan(0, last), buffer);
        var signatureLength = Base64Url.DecodeFromChars(signature, buffer.AsSpan(inputLength));
        var payloadLength = Base64Url.DecodeFromChars(payload, buffer.AsSpan(inputLength + signatureLength));
        return new SignedParts(buffer, inputLength, signatureLength, payloadLength);
    }

    public void Return() => ArrayPool<byte>.Shared.Return(_buffer);
}
