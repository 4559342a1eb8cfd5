package io.ketcd.tls.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;

import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * An EC key pair as an {@code EC PRIVATE KEY} PEM block (SEC1, RFC 5915), with the named curve
 * and the public key inside, as Go's {@code x509.MarshalECPrivateKey} and OpenSSL write it. (The
 * structure inside a JDK key's PKCS#8 encoding leaves the curve out, since PKCS#8 carries it
 * outside; written as it is, no reader could tell the curve.)
 */
public final class Sec1Pem {
    private Sec1Pem() {
    }

    public static String ecPrivateKey(KeyPair pair) throws IOException {
        ECPrivateKey key = (ECPrivateKey) pair.getPrivate();
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        DERBitString publicKey = new DERBitString(SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded())
                .getPublicKeyData().getBytes());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                key.getParams().getOrder().bitLength(), key.getS(), publicKey,
                info.getPrivateKeyAlgorithm().getParameters());
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        }
        return out.toString();
    }
}
